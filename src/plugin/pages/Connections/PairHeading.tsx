import React from 'react';
import { sceneGraph, SceneObjectBase, type SceneComponentProps, type SceneObjectState } from '@grafana/scenes';
import { Stack, Text } from '@grafana/ui';
import { GROUP_BY_CHOICES } from '../../../shared/views/connectionsView';
import { testIds } from '../../components/testIds';
import { GROUP_BY } from './connectionsVariables';
import { pairVariable } from './pairUrl';

/** Names the pair the drill-down shows, from the URL's group-by columns and their row values. */
export class PairHeading extends SceneObjectBase<SceneObjectState> {
  public static Component = PairHeadingRenderer;
}

function PairHeadingRenderer({ model }: SceneComponentProps<PairHeading>) {
  const groupBy = sceneGraph.lookupVariable(GROUP_BY, model);
  groupBy?.useState();
  const value = groupBy?.getValue();
  const columns = (Array.isArray(value) ? value : [value]).map(String).filter((g) => g in GROUP_BY_CHOICES);
  const parts = columns.map((dim) => {
    const variable = sceneGraph.lookupVariable(pairVariable(dim), model);
    const text = String(variable?.getValue() ?? '');
    return `${GROUP_BY_CHOICES[dim as keyof typeof GROUP_BY_CHOICES]} = ${text === '' ? '(none)' : text}`;
  });
  return (
    <Stack direction="row" gap={1}>
      <Text variant="h4" data-testid={testIds.pair.heading}>
        {parts.join('  →  ')}
      </Text>
    </Stack>
  );
}

import { CustomVariable, type MultiValueVariableState } from '@grafana/scenes';
import { keepPicked } from './keepPicked';

/** A CustomVariable that keeps picks outside its list (see keepPicked), e.g. a group-by column from a URL. */
export class PickedCustomVariable extends CustomVariable {
  protected override interceptStateUpdateAfterValidation(update: Partial<MultiValueVariableState>): void {
    super.interceptStateUpdateAfterValidation(update);
    keepPicked(this.state, this.hasAllValue(), update);
  }
}

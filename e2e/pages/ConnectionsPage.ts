import { testIds } from '../../src/panels/flowgraph/testIds';
import { appPath, type HostPage } from '../host/hostPage';

type Range = { fromMs: number; toMs: number };
type Variables = Record<string, string | readonly string[]>;

/** The route below the app, as src/plugin/constants.ts ROUTES names it. */
const ROUTE = 'connections';
const FLOWS = 'Top flows';
const GRAPH = 'Flow graph';
const PAIR_CONNECTIONS = 'Connections (one row per observed connection)';

/**
 * The Connections page and its pair drill-down, read as a person reads them: the flows table's
 * cells, the flow graph's node labels and edge tooltips, and the clicks that filter or drill down.
 */
export class ConnectionsPage {
  constructor(readonly host: HostPage) {}

  async open(range: Range, variables: Variables): Promise<void> {
    await this.host.goto(appPath(ROUTE, range, variables));
    await this.host.waitForPanels();
  }

  /** Rows of "Top flows", keyed by the column titles the page gives them ("src deployment", "Failed connects", ...). */
  flows(): Promise<Array<Record<string, string>>> {
    return this.host.tableRows(FLOWS);
  }

  /** Node ids as the graph labels them (namespace/deployment at the deployment level). */
  graphNodes(): Promise<string[]> {
    return this.host.panel(GRAPH).getByTestId(testIds.node).locator('css=text:first-of-type').allTextContents();
  }

  /**
   * Edges as "source -> target", from the tooltip each one shows when the pointer is over it:
   * lines carry no label of their own, and the tooltip is what a person reads.
   */
  async graphEdges(): Promise<string[]> {
    const panel = this.host.panel(GRAPH);
    const edges = await panel.getByTestId(testIds.edge).all();
    const out: string[] = [];
    for (const edge of edges) {
      await edge.dispatchEvent('mouseover');
      const title = await panel.getByTestId(testIds.tooltip).locator('div').first().innerText();
      out.push(title.replace(' → ', ' -> '));
    }
    await panel.getByRole('img', { name: 'Flow graph' }).dispatchEvent('mouseleave');
    return out;
  }

  /**
   * Clicks the node labelled `id`; the panel puts it in the URL as var-group, and the panels
   * query again (read them with readUntil: they settle after the URL does).
   */
  async clickGraphNode(id: string): Promise<void> {
    const node = this.host.panel(GRAPH).getByTestId(testIds.node).filter({ hasText: id });
    await node.locator('circle').click();
    await this.host.page.waitForURL((url) => url.searchParams.get('var-group') === id);
  }

  /**
   * Follows the link `link` in the flows table row whose group cells (links) read each of `cells`
   * (e.g. ['web', 'api']): the drill-down of that row's pair of groups.
   */
  async openPair(cells: readonly string[], link: string): Promise<void> {
    let row = this.host.panel(FLOWS).getByRole('row');
    for (const text of cells) {
      row = row.filter({ has: this.host.page.getByRole('link', { name: text, exact: true }) });
    }
    await row.getByRole('link', { name: link, exact: true }).click();
    await this.host.page.waitForURL(/\/connections\/pair\?/);
    await this.host.page.getByTestId(`data-testid Panel header ${PAIR_CONNECTIONS}`).waitFor();
    await this.host.waitForPanels();
  }

  /** Rows of the drill-down's connections table (raw column names: observer, direction, pid, comm, src_port, ...). */
  pairConnections(): Promise<Array<Record<string, string>>> {
    return this.host.tableRows(PAIR_CONNECTIONS);
  }
}

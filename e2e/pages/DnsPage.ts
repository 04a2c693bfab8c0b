import { appPath, type HostPage } from '../host/hostPage';

type Range = { fromMs: number; toMs: number };
type Variables = Record<string, string | readonly string[]>;

const ROUTE = 'dns';
const FAILING_NAMES = 'Top failing names';
const NAME_CLIENTS = 'Who asks it';

/** The DNS page and its name drill-down: stat values, the failing names table and its links. */
export class DnsPage {
  constructor(readonly host: HostPage) {}

  async open(range: Range, variables: Variables): Promise<void> {
    await this.host.goto(appPath(ROUTE, range, variables));
    await this.host.waitForPanels();
  }

  /** The value a stat panel displays ("Questions", "NXDOMAIN", "TIMEOUT", ...), as text. */
  stat(title: string): Promise<string> {
    return this.host.panel(title).getByTestId('data-testid panel content').innerText();
  }

  failingNames(): Promise<Array<Record<string, string>>> {
    return this.host.tableRows(FAILING_NAMES);
  }

  /** Follows a name's link in the failing names table to its drill-down. */
  async openName(qname: string): Promise<void> {
    await this.host.panel(FAILING_NAMES).getByRole('link', { name: qname, exact: true }).click();
    await this.host.page.waitForURL(
      (url) => url.pathname.endsWith('/dns/name') && url.searchParams.get('var-qname') === qname
    );
    await this.host.page.getByTestId(`data-testid Panel header ${NAME_CLIENTS}`).waitFor();
    await this.host.waitForPanels();
  }

  /** Rows of the drill-down's "Who asks it" table. */
  nameClients(): Promise<Array<Record<string, string>>> {
    return this.host.tableRows(NAME_CLIENTS);
  }
}

// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';

// React 19's react-dom/server.browser (imported by @grafana/ui) builds a MessageChannel when it loads,
// and jsdom has none (jsdom/jsdom#2448). Node's worker_threads one would keep Jest from exiting, so
// messages go through a timer instead.
class MessagePortShim {
  onmessage = null;
  postMessage(data) {
    setTimeout(() => this.peer.onmessage?.({ data }));
  }
  close() {}
}

class MessageChannelShim {
  constructor() {
    this.port1 = new MessagePortShim();
    this.port2 = new MessagePortShim();
    this.port1.peer = this.port2;
    this.port2.peer = this.port1;
  }
}

Object.assign(global, { MessageChannel: global.MessageChannel ?? MessageChannelShim });

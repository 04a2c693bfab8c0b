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

// @grafana/ui watches scroll edges with IntersectionObserver, which jsdom lacks; nothing ever
// intersects without layout, so an observer that never reports is the honest stand-in.
class SilentIntersectionObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}

// jsdom lacks ResizeObserver as well, and does no layout: every element measures 0×0, and Grafana
// panels render nothing at zero size. Observed elements report one fixed box instead.
const TEST_BOX = { x: 0, y: 0, top: 0, left: 0, width: 1024, height: 768, right: 1024, bottom: 768 };

class FixedSizeResizeObserver {
  constructor(callback) {
    this.callback = callback;
  }
  observe(target) {
    const size = [{ inlineSize: TEST_BOX.width, blockSize: TEST_BOX.height }];
    queueMicrotask(() =>
      this.callback([{ target, contentRect: TEST_BOX, borderBoxSize: size, contentBoxSize: size }], this)
    );
  }
  unobserve() {}
  disconnect() {}
}

Object.assign(global, {
  IntersectionObserver: global.IntersectionObserver ?? SilentIntersectionObserver,
  ResizeObserver: global.ResizeObserver ?? FixedSizeResizeObserver,
});

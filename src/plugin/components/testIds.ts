export const testIds = {
  app: {
    unconfigured: 'data-testid app-unconfigured',
  },
  pair: {
    heading: 'data-testid netmon-pair-heading',
  },
  notice: {
    error: 'data-testid netmon-notice-error',
    empty: 'data-testid netmon-notice-empty',
    captureHealth: 'data-testid netmon-notice-capture-health',
  },
  appConfig: {
    database: 'data-testid ac-database',
    submit: 'data-testid ac-submit-form',
  },
};

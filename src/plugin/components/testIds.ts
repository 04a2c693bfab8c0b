export const testIds = {
  app: {
    unconfigured: 'data-testid app-unconfigured',
  },
  appConfig: {
    database: 'data-testid ac-database',
    submit: 'data-testid ac-submit-form',
  },
};

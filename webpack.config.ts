// Extends the scaffold's webpack config (kept as generated in .config/) the way its README
// prescribes. The scaffold copies only the root plugin's logos; nested panels need theirs too. The
// dashboards the app includes are the provisioned ones, copied so that there is one file of each.
import CopyWebpackPlugin from 'copy-webpack-plugin';
import type { Configuration } from 'webpack';
import grafanaConfig, { type Env } from './.config/webpack/webpack.config';

const config = async (env: Env): Promise<Configuration> => {
  const base = await grafanaConfig(env);
  return {
    ...base,
    plugins: [
      ...(base.plugins ?? []),
      new CopyWebpackPlugin({
        patterns: [
          { from: 'panels/*/img/*', to: '.' },
          { from: '../provisioning/dashboards/netmon/*.json', to: 'dashboards/[name][ext]' },
        ],
      }),
    ],
  };
};

export default config;

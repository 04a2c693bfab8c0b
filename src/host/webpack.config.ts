// The standalone host's bundle. Unlike the plugin build (.config/webpack), nothing is external:
// outside Grafana the host itself must bring React, @grafana/* and the plugin code.
import CopyWebpackPlugin from 'copy-webpack-plugin';
import path from 'path';
import type { Configuration } from 'webpack';

const root = process.cwd();
const runtimeEsm = path.join(root, 'node_modules/@grafana/runtime/dist/esm');

const config = (env: Record<string, unknown> = {}): Configuration => ({
  context: path.join(root, 'src'),
  mode: env.development ? 'development' : 'production',
  devtool: env.development ? 'eval-source-map' : false,
  entry: { host: './host/index.tsx' },
  output: {
    path: path.join(root, 'dist-host'),
    // The server maps /public/ to dist-host/, so deep links like /a/<app>/dns still find the assets.
    publicPath: '/public/',
    filename: '[name].js',
    chunkFilename: '[name].[contenthash:8].js',
    clean: true,
  },
  cache: { type: 'filesystem', buildDependencies: { config: [__filename] } },
  module: {
    rules: [
      {
        test: /\.[tj]sx?$/,
        exclude: /node_modules/,
        use: {
          loader: 'swc-loader',
          options: {
            jsc: {
              baseUrl: path.join(root, 'src'),
              target: 'es2020',
              parser: { syntax: 'typescript', tsx: true, dynamicImport: true },
            },
          },
        },
      },
      // Grafana's ESM packages import their siblings without file extensions.
      { test: /\.m?js$/, resolve: { fullySpecified: false } },
      // plugin-compat probes @grafana/runtime for newer APIs (`typeof x === 'function'`); a missing
      // export is the expected answer there, not a build error.
      { test: /@grafana[\\/]plugin-compat[\\/]/, type: 'javascript/auto', parser: { exportsPresence: false } },
      { test: /\.css$/, use: ['style-loader', 'css-loader'] },
      { test: /\.(png|jpe?g|gif|svg|woff2?|eot|ttf|otf)$/, type: 'asset/resource' },
    ],
  },
  optimization: {
    // Minifying ~15 MB of Grafana libraries takes minutes on two cores and buys little on 127.0.0.1.
    minimize: false,
    splitChunks: false,
  },
  performance: { hints: false },
  resolve: {
    extensions: ['.js', '.jsx', '.ts', '.tsx'],
    modules: [path.join(root, 'src'), 'node_modules'],
    alias: {
      // Setters Grafana calls at boot (setPluginPage, ...) that @grafana/runtime publishes only to
      // Grafana itself; the host reaches the very module files the public entry uses.
      'grafana-runtime-esm': runtimeEsm,
    },
  },
  plugins: [new CopyWebpackPlugin({ patterns: [{ from: 'host/index.html', to: 'index.html' }] })],
});

export default config;

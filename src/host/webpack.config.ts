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
  // Its own cache: the plugin build's default name would make the two evict each other.
  cache: { type: 'filesystem', name: 'netmon-host', buildDependencies: { config: [__filename] } },
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
      // Grafana's .mjs files import CommonJS packages by their default export (react-custom-scrollbars-2,
      // ...), which only the __esModule-aware interop of 'javascript/auto' resolves, as Grafana's own
      // build does; they also import siblings without file extensions.
      { test: /\.mjs$/, type: 'javascript/auto', resolve: { fullySpecified: false } },
      // plugin-compat probes @grafana/runtime for newer APIs (`typeof x === 'function'`); a missing
      // export is the expected answer there, not a problem.
      { test: /@grafana[\\/]plugin-compat[\\/]/, parser: { exportsPresence: false } },
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
  // Quiet on success: the bundle has over a hundred chunks (locales, editors) nobody needs listed.
  stats: 'errors-warnings',
  resolve: {
    extensions: ['.js', '.jsx', '.ts', '.tsx'],
    modules: [path.join(root, 'src'), 'node_modules'],
    alias: {
      // Setters Grafana calls at boot (setPluginPage, ...) that @grafana/runtime publishes only to
      // Grafana itself; the host reaches the very module files the public entry uses.
      'grafana-runtime-esm': runtimeEsm,
    },
  },
  plugins: [
    new CopyWebpackPlugin({
      patterns: [
        { from: 'host/index.html', to: 'index.html' },
        // @grafana/ui's Icon fetches SVGs from <public path>build/img/icons/, where Grafana serves them.
        { from: path.join(root, 'node_modules/@grafana/ui/dist/public/img/icons'), to: 'build/img/icons' },
      ],
    }),
  ],
});

export default config;

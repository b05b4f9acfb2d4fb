// cdktf requires archiver when it loads (cdktf/lib/private/fs.js) but calls it only to zip a
// TerraformAsset of type ARCHIVE, which this repository never creates (its zips are built by
// build/build-artifacts.ts). Loading archiver and its dependencies took about 0.28 s of every
// test file that loads cdktf; jest maps 'archiver' here (jest.config.js), and the copy cdktf
// itself would load is loaded on first use, so behaviour is unchanged.
// Plain CommonJS: jest loads it untransformed, with `jest` in scope as in every module it loads.
/* global jest */
const fs = require('node:fs');
const path = require('node:path');

let real;
module.exports = function archiver(...args) {
  if (!real) {
    // Node's lookup from cdktf's folder, by path: jest's resolver would map the name back here.
    const cdktf = path.dirname(require.resolve('cdktf/package.json'));
    const nested = path.join(cdktf, 'node_modules', 'archiver');
    real = jest.requireActual(fs.existsSync(nested) ? nested : path.join(cdktf, '..', 'archiver'));
  }
  return real(...args);
};

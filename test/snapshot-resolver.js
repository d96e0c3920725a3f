// dist/test/unit/topic.test.js  <->  test/unit/__snapshots__/topic.test.ts.snap
const path = require('path');
const root = path.resolve(__dirname, '..');
module.exports = {
  resolveSnapshotPath: (testPath, ext) => {
    const rel = path.relative(path.join(root, 'dist'), testPath).replace(/\.js$/, '.ts');
    return path.join(root, path.dirname(rel), '__snapshots__', path.basename(rel) + ext);
  },
  resolveTestPath: (snapshotPath, ext) => {
    const rel = path
      .relative(root, snapshotPath)
      .replace(/\/__snapshots__\//, '/')
      .slice(0, -ext.length)
      .replace(/\.ts$/, '.js');
    return path.join(root, 'dist', rel);
  },
  testPathForConsistencyCheck: path.join(root, 'dist', 'test', 'unit', 'example.test.js'),
};

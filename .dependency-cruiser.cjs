/**
 * The layer rule (docs/internals.md, "Layers"): each folder of src/ imports
 * only from folders before it in LAYERS, so an import that goes up the list
 * (or sideways to a later folder of the same row) fails `npm test`. A total
 * order also rules out every cycle between folders: a cycle needs at least one
 * edge that goes up. Type-only imports count too, so a type cannot smuggle a
 * dependency the code would not be allowed.
 */
const LAYERS = [
  'core',
  'task',
  'runtime',
  'time',
  'sync',
  'select',
  'io',
  'net',
  'codec',
  'signal',
  'http',
  'worker',
  'observe',
  'console',
  'actor',
  'cluster',
  'testing',
];

const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer}`,
  comment: `src/${layer}/ may import only from ${LAYERS.slice(0, i).join(', ') || 'itself'} (layer order: ${LAYERS.join(' < ')})`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: `^src/(${LAYERS.slice(i + 1).join('|')})/` },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-circular',
      comment: 'modules import each other in a circle at run time (a cycle of type-only imports is harmless)',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'index-only-on-top',
      comment: 'src/index.ts and the area index files are entry points: nothing inside src imports src/index.ts',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/index\\.ts$' },
    },
    {
      name: 'unknown-folder',
      comment: `every folder of src/ has a place in the layer order (add a new one to LAYERS in .dependency-cruiser.cjs)`,
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/(index\\.ts$|(${LAYERS.join('|')})/)` },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { conditionNames: ['weft-source', 'import', 'default'], extensions: ['.ts', '.js'] },
  },
};

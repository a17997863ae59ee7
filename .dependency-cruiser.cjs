// The layers of docs/architecture.md, as rules: test/architecture.test.ts fails on any violation.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'model-is-a-leaf',
      comment: 'src/model/ is the shared vocabulary: it imports nothing of Parley’s',
      severity: 'error',
      from: { path: '^src/model/' },
      to: { path: '^src/', pathNot: '^src/model/' },
    },
    {
      name: 'protocol-speaks-model-only',
      comment: 'src/protocol/ (wire schemas and converters) builds on src/model/ alone',
      severity: 'error',
      from: { path: '^src/protocol/' },
      to: { path: '^src/', pathNot: '^src/(model|protocol)/' },
    },
    {
      name: 'client-speaks-model-and-protocol-only',
      comment: 'the browser SDK may not reach the database, the server or Node-only code',
      severity: 'error',
      from: { path: '^src/client/' },
      to: { path: '^src/', pathNot: '^src/(client|model|protocol)/' },
    },
    {
      name: 'dashboard-talks-through-the-client',
      comment: 'the dashboard reaches the API only through the SDK and the shared vocabulary',
      severity: 'error',
      from: { path: '^dashboard/src/' },
      to: { path: '^src/', pathNot: '^src/(client|model|protocol)/' },
    },
    {
      name: 'nothing-imports-server-or-cli',
      comment: 'server and cli are the top floors',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(server|cli)/' },
      to: { path: '^src/(server|cli)/' },
    },
    {
      name: 'server-does-not-import-cli',
      severity: 'error',
      from: { path: '^src/server/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'the-library-does-not-import-its-users',
      comment: 'tracker → doctor → storage: the library knows nothing of import, export or the server',
      severity: 'error',
      from: { path: '^src/(tracker|doctor|db|queries|migrations)/' },
      to: { path: '^src/(import|export|server|cli|client)/' },
    },
    {
      name: 'storage-does-not-import-the-tracker',
      severity: 'error',
      from: { path: '^src/(doctor|db|queries|migrations)/' },
      to: { path: '^src/tracker/' },
    },
    {
      name: 'the-tracker-is-the-one-door-to-sql',
      comment: 'statements are run by the library; server, cli, import, export and client call it',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(tracker|doctor|db|queries|migrations)/' },
      to: { path: '^src/queries/' },
    },
    {
      name: 'backends-stay-in-their-folders',
      comment: 'only db/pglite imports PGlite, only db/postgres imports pg',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/db/(pglite|postgres)/' },
      to: { path: 'node_modules/(@electric-sql/pglite|pg)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js'] },
  },
}

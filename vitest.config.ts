import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Integration files share one PostgreSQL and one Redis; a few at a time keeps the timing
    // tests (shutdown, stalls) honest on a 2-core machine.
    maxWorkers: 3,
    // The AWS SDK warns on every start that it will want Node 22 from 2027; this service targets Node 20.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});

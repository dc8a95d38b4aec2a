import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Builds the web view's page into dist/web/ for the browser tests (test/web/).
    globalSetup: ["test/web/build-web.global-setup.ts"],
    // An unhandled rejection anywhere fails the run (vitest's default, kept explicit on purpose).
    dangerouslyIgnoreUnhandledErrors: false,
  },
});

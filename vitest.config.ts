import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['emulator/**/*.test.ts', 'src/**/*.test.ts', 'workshop/**/*.test.ts'],
    testTimeout: 20_000,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end tests run real ffmpeg and a real browser on a 2-core machine: give them room.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

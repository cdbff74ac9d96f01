/** @latch/client: public surface (re-exports only). */
export {}

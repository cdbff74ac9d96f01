/** @latch/resource-server: public surface (re-exports only). */
export {}

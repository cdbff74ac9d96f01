/** @latch/react: public surface (re-exports only). */
export {}

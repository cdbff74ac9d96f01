// Replaced by the example's entry point.
export {}

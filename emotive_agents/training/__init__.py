"""Lab code: training emotion vectors (kept off the runtime import path)."""

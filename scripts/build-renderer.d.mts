/** Builds the renderer with Vite into `outDir`. */
export function buildRenderer(outDir: string): Promise<void>;

import { z } from "zod";

export const Invoice = z.object({ id: z.string(), cents: z.number().int() });

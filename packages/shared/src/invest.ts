/**
 * @module invest: the shape of an INVEST analysis of a story.
 */
import { z } from "zod";
import { investCriteria, investRewriteFields } from "./values.ts";

export const investCriterionSchema = z.enum(investCriteria);

export const investWarningSchema = z.strictObject({
  criterion: investCriterionSchema,
  /** A stable identifier of the rule that found this, e.g. `missing-so-that`. */
  rule: z.string(),
  message: z.string(),
  suggestion: z.string(),
  /** A rewrite of one field that answers the warning, which the user may apply as it is (AI review only). */
  rewrite: z.strictObject({ field: z.enum(investRewriteFields), value: z.string() }).optional(),
});
export type InvestWarning = z.infer<typeof investWarningSchema>;

export const investAnalysisSchema = z.strictObject({
  score: z.number().int().min(0).max(100),
  warnings: z.array(investWarningSchema),
  /** `rules+ai`: the rules' warnings with a model's review merged in. */
  source: z.enum(["rules", "ai", "rules+ai"]),
});
export type InvestAnalysis = z.infer<typeof investAnalysisSchema>;

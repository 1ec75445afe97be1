/**
 * @module invest: the shape of an INVEST analysis of a story.
 */
import { z } from "zod";
import { investCriteria } from "./values.ts";

export const investCriterionSchema = z.enum(investCriteria);

export const investWarningSchema = z.strictObject({
  criterion: investCriterionSchema,
  /** A stable identifier of the rule that found this, e.g. `missing-so-that`. */
  rule: z.string(),
  message: z.string(),
  suggestion: z.string(),
});
export type InvestWarning = z.infer<typeof investWarningSchema>;

export const investAnalysisSchema = z.strictObject({
  score: z.number().int().min(0).max(100),
  warnings: z.array(investWarningSchema),
  source: z.enum(["rules", "ai"]),
});
export type InvestAnalysis = z.infer<typeof investAnalysisSchema>;

/**
 * @module components/InvestPanel: the API's INVEST analysis of the story, read again whenever the
 * story or its tests change.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { type InvestAnalysis, type InvestWarning, investCriterionNames, type Story } from "../domain.ts";
import { errorMessage } from "../state/notices.ts";
import { api } from "../state/session.ts";

/** One INVEST warning: its criterion, what is wrong and the suggestion, then `children` (a rewrite to apply). */
export function InvestWarningItem({
  warning,
  children,
}: {
  warning: InvestWarning;
  children?: ComponentChildren;
}) {
  return (
    <li>
      <abbr class="criterion" title={investCriterionNames[warning.criterion]}>
        {warning.criterion}
      </abbr>
      <div>
        <p>{warning.message}</p>
        <p class="suggestion">Suggestion: {warning.suggestion}</p>
        {children}
      </div>
    </li>
  );
}

export function InvestPanel({ story }: { story: Story }) {
  const [analysis, setAnalysis] = useState<InvestAnalysis | null>(null);
  const [error, setError] = useState<string | null>(null);
  const revision = [
    story.id,
    story.version,
    story.dependsOn.length,
    ...story.acceptanceTests.map((t) => t.version),
  ].join(":");

  useEffect(() => {
    let current = true;
    api.invest(story.id).then(
      (result) => {
        if (!current) return;
        setAnalysis(result);
        setError(null);
      },
      (failure) => current && setError(errorMessage(failure)),
    );
    return () => {
      current = false;
    };
  }, [revision]);

  return (
    <section class="panel invest" aria-labelledby="invest-heading" aria-busy={!analysis && !error}>
      <h3 id="invest-heading">INVEST</h3>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {analysis && (
        <>
          <p class="score">
            <meter
              min={0}
              max={100}
              low={50}
              high={80}
              optimum={100}
              value={analysis.score}
              aria-label="INVEST score"
            />
            <strong data-testid="invest-score">{analysis.score}</strong> / 100
            <span class="hint"> ({analysis.source === "ai" ? "AI" : "rules"})</span>
          </p>
          {analysis.warnings.length === 0 ? (
            <p>
              No warnings: the story reads as independent, negotiable, valuable, estimable, small and
              testable.
            </p>
          ) : (
            <ul class="warnings">
              {analysis.warnings.map((warning) => (
                <InvestWarningItem key={`${warning.criterion}-${warning.rule}`} warning={warning} />
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}

/**
 * @module components/AgentPicker: which agent runs a task: one the live workers offer, a shell
 * command where the operator allows them, or the default (`defaultLabel`). Used by Generate and by
 * Request changes.
 */
import { agentList } from "../state/agents.ts";

/** The choice as the API takes it: "" for the default, `command:<cmd>` for a shell command. */
export function chosenAgent(agent: string, command: string): string {
  return agent === "command:" ? `command:${command.trim()}` : agent;
}

export function AgentPicker(props: {
  agent: string;
  command: string;
  defaultLabel: string;
  onAgent: (agent: string) => void;
  onCommand: (command: string) => void;
}) {
  const offer = agentList.value;
  return (
    <>
      <label>
        Agent
        <select value={props.agent} onChange={(event) => props.onAgent(event.currentTarget.value)}>
          <option value="">{props.defaultLabel}</option>
          {offer?.agents.map((choice) => (
            <option key={choice.name} value={choice.name} disabled={choice.workers === 0}>
              {choice.title}
              {choice.workers === 0 ? ` (unavailable: ${choice.missing ?? "no worker"})` : ""}
            </option>
          ))}
          {offer?.commandAgentsAllowed && <option value="command:">Shell command…</option>}
        </select>
      </label>
      {props.agent === "command:" && (
        <label>
          Shell command
          <input
            value={props.command}
            placeholder="make implement"
            required
            onInput={(event) => props.onCommand(event.currentTarget.value)}
          />
        </label>
      )}
    </>
  );
}

/**
 * @module agent/profiles/claude.recorded: stream-json lines recorded from the real Claude Code CLI
 * (2.1.332) against the fake Messages API of the conformance suite, for the parser's tests.
 */
import type { Recorded } from "./test-support.ts";

/** The implement script against the fake (only the first delta of each kind kept). */
export const implementRun: Recorded = [
  [
    "stdout",
    `{"type":"system","subtype":"init","cwd":"/tmp/cc/p-ok/repo","session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","tools":["Task","Bash","CronCreate","CronDelete","CronList","Edit","EnterWorktree","ExitWorktree","ListAgents","Monitor","NotebookEdit","Read","ReportFindings","ScheduleWakeup","SendMessage","Skill","TaskStop","ToolSearch","WebFetch","WebSearch","Workflow","Write"],"mcp_servers":[],"model":"claude-opus-5-5","permissionMode":"bypassPermissions","slash_commands":["deep-research","dataviz","update-config","verify","debug","code-review","simplify","batch","fewer-permission-prompts","doctor","loop","claude-api","workflow-authoring","run","run-skill-generator","plugin-authoring","agents","auto-mode-setup","autocompact","clear","color","compact","config","output-style","context","effort","fast","focus","heapdump","init","mcp","model","__remote-workflow","workflow-launch-exec","reload-plugins","reload-skills","rename","security-review","usage","insights","recap","goal","list-agents","team-onboarding"],"terminal_slash_commands":["doctor","color","focus","reload-plugins"],"apiKeySource":"ANTHROPIC_API_KEY","claude_code_version":"2.1.332","output_style":"default","agents":["claude","Explore","general-purpose","Plan","statusline-setup"],"skills":["deep-research","dataviz","update-config","verify","debug","code-review","simplify","batch","fewer-permission-prompts","doctor","loop","claude-api","workflow-authoring","run","run-skill-generator","plugin-authoring"],"plugins":[{"name":"cc-plugin-agents-md","path":"builtin","source":"cc-plugin-agents-md@builtin"},{"name":"cc-plugin-privacy","path":"builtin","source":"cc-plugin-privacy@builtin"},{"name":"cc-plugin-plugin-authoring","path":"builtin","source":"cc-plugin-plugin-authoring@builtin"}],"capabilities":["interrupt_receipt_v1","interrupt_cancel_queued_v1","interrupt_send_now_v1","interrupt_requeue_taken_v1","msg_lifecycle_v1","request_marker_lists_v1","ask_user_question_unanswered_v1","lifecycle_wakeup_source_v1","sdk_mcp_tools_list_changed","sdk_mcp_manifests","mcp_read_resource_v1","mcp_tool_ui_meta_v1","ui_surface_v1","mcp_call_result_not_for_model_v1","mcp_call_soft_error_result_v1","mcp_call_check_permissions_v1","voice_call_talk_line_v1","withdrawn_files_note_v2","withdrawn_tools_v1","ui_pane_widget_v1","reload_plugins_refuse_if_busy_v1","get_usage_detached_v1","silent_resend_files_v1"],"analytics_disabled":true,"product_feedback_disabled":true,"served_by_anthropic":false,"uuid":"61c54bd4-4e8c-4813-a96b-62a6b1aa9d45","sandbox_enabled":false,"memory_paths":{"auto":"/tmp/cc/p-ok/home/.claude/projects/-tmp-cc-p-ok-repo/memory/"},"original_cwd":"/tmp/cc/p-ok/repo","additional_directories":[],"messaging_socket_path":"/tmp/cc-socks/18479.sock","fast_mode_state":"off","fast_mode_disabled_reason":"sdk_opt_in_required","per_turn_effort_active":true,"ultrathink_available":false,"ultrathink_typed_raises":false,"view_mode":"default"}`,
  ],
  [
    "stdout",
    `{"type":"system","subtype":"status","status":"requesting","session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","uuid":"afce4a4b-11b3-43dd-bc55-86ec69fe06b2"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"message_start","message":{"id":"msg_fake73288987","type":"message","role":"assistant","model":"claude-opus-5-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1200,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}},"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","parent_tool_use_id":null,"uuid":"5b732b47-70ee-44f2-aa5c-ebb099d01731","ttft_ms":19,"thinking_display":"updates","api_message_id":"msg_fake73288987"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_fake000001","name":"Read","input":{}}},"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","parent_tool_use_id":null,"uuid":"d9571db1-aa1e-4f2e-a699-8b7e1f287527","api_message_id":"msg_fake73288987"}`,
  ],
  [
    "stdout",
    String.raw`{"type":"stream_event","event":{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\""}},"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","parent_tool_use_id":null,"uuid":"154e5420-ee4c-4993-a9c6-1234815ef75c","api_message_id":"msg_fake73288987"}`,
  ],
  [
    "stdout",
    `{"type":"assistant","message":{"id":"msg_fake73288987","type":"message","role":"assistant","model":"claude-opus-5-5","content":[{"type":"tool_use","id":"toolu_fake000001","name":"Read","input":{"file_path":"/tmp/cc/p-ok/repo/TASK.md"}}],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1200,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1},"context_management":null},"parent_tool_use_id":null,"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","uuid":"adf138d2-0ea2-4ec8-a7ff-8e1c098fcc09","timestamp":"2026-12-06T16:08:08.996Z","request_id":"msg_fake73288987"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"content_block_stop","index":0},"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","parent_tool_use_id":null,"uuid":"a89a26bd-a735-44ae-9a55-e916a5f56eec","api_message_id":"msg_fake73288987"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":340}},"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","parent_tool_use_id":null,"uuid":"7e92f6f0-c86e-4712-9030-16b82782fcee","api_message_id":"msg_fake73288987"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"message_stop"},"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","parent_tool_use_id":null,"uuid":"11d3f2ee-f626-456e-9eb3-522a22edc754","api_message_id":"msg_fake73288987"}`,
  ],
  [
    "stdout",
    String.raw`{"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_fake000001","type":"tool_result","content":"1\t# Add a greeting\n2\t\n3\tCreate src/greeting.js exporting a function that returns \"hello\".\n4\t"}]},"parent_tool_use_id":null,"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","uuid":"cf270675-211a-4fa0-9489-630c1b727a8e","timestamp":"2026-12-06T16:08:09.038Z","tool_use_result":{"type":"text","file":{"filePath":"/tmp/cc/p-ok/repo/TASK.md","content":"# Add a greeting\n\nCreate src/greeting.js exporting a function that returns \"hello\".\n","numLines":4,"startLine":1,"totalLines":4}},"tool_result_meta":[{"id":"toolu_fake000001","permission_decision":{"decision":"accept","source":"config","reason_type":"mode"}}]}`,
  ],
  [
    "stdout",
    `{"type":"system","subtype":"status","status":"requesting","session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","uuid":"08583a39-47e4-41e4-b417-037bc6a15d65"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"message_start","message":{"id":"msg_fake73289058","type":"message","role":"assistant","model":"claude-opus-5-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1200,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}},"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","parent_tool_use_id":null,"uuid":"e7769f59-73d8-438d-bf7a-6f8e215544f3","ttft_ms":5,"thinking_display":"updates","api_message_id":"msg_fake73289058"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}},"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","parent_tool_use_id":null,"uuid":"5f197f34-4cfa-4382-b670-9e626c023951","api_message_id":"msg_fake73289058"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"I"}},"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","parent_tool_use_id":null,"uuid":"d1552dfb-8e4b-42db-9031-09f70f27c974","api_message_id":"msg_fake73289058"}`,
  ],
  [
    "stdout",
    `{"type":"assistant","message":{"id":"msg_fake73289058","type":"message","role":"assistant","model":"claude-opus-5-5","content":[{"type":"text","text":"I will add the greeting module."}],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1200,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1},"context_management":null},"parent_tool_use_id":null,"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","uuid":"c0bd0073-71a0-4959-983e-2263d3fa9bf4","timestamp":"2026-12-06T16:08:09.063Z","request_id":"msg_fake73289058"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"content_block_stop","index":0},"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","parent_tool_use_id":null,"uuid":"c8e973a5-19ee-41f7-ab9d-df536e2e1ebc","api_message_id":"msg_fake73289058"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_fake000002","name":"Write","input":{}}},"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","parent_tool_use_id":null,"uuid":"f72068a5-9ef6-4a49-8b81-28cef2c51cae","api_message_id":"msg_fake73289058"}`,
  ],
  [
    "stdout",
    String.raw`{"type":"assistant","message":{"id":"msg_fake73289058","type":"message","role":"assistant","model":"claude-opus-5-5","content":[{"type":"tool_use","id":"toolu_fake000002","name":"Write","input":{"file_path":"/tmp/cc/p-ok/repo/src/greeting.js","content":"module.exports = () => \"hello\";\n"}}],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1200,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1},"context_management":null},"parent_tool_use_id":null,"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","uuid":"86bb8466-dc4f-45e1-a778-e38146801ca9","timestamp":"2026-12-06T16:08:09.067Z","request_id":"msg_fake73289058"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"content_block_stop","index":1},"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","parent_tool_use_id":null,"uuid":"9921beed-0d56-491d-9236-83d1de202798","api_message_id":"msg_fake73289058"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":340}},"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","parent_tool_use_id":null,"uuid":"4de42a04-c91b-4d99-9219-72a9adeaf09d","api_message_id":"msg_fake73289058"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"message_stop"},"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","parent_tool_use_id":null,"uuid":"6d5418c6-1905-4489-a8a7-bc0af7ddd1c9","api_message_id":"msg_fake73289058"}`,
  ],
  [
    "stdout",
    String.raw`{"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_fake000002","type":"tool_result","content":"File created successfully at: /tmp/cc/p-ok/repo/src/greeting.js (file state is current in your context — no need to Read it back)"}]},"parent_tool_use_id":null,"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","uuid":"42fd1b29-ca53-4b7e-8796-901821153876","timestamp":"2026-12-06T16:08:09.084Z","tool_use_result":{"type":"create","filePath":"/tmp/cc/p-ok/repo/src/greeting.js","content":"module.exports = () => \"hello\";\n","structuredPatch":[],"originalFile":null,"userModified":false},"tool_result_meta":[{"id":"toolu_fake000002","permission_decision":{"decision":"accept","source":"config","reason_type":"mode"}}]}`,
  ],
  [
    "stdout",
    `{"type":"system","subtype":"status","status":"requesting","session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","uuid":"ce22c8f1-889e-42a2-b8c0-0f670a195748"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"message_start","message":{"id":"msg_fake73289097","type":"message","role":"assistant","model":"claude-opus-5-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1200,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}},"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","parent_tool_use_id":null,"uuid":"8949e3fb-f85a-46c3-802e-14da9794eb89","ttft_ms":4,"thinking_display":"updates","api_message_id":"msg_fake73289097"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_fake000003","name":"Bash","input":{}}},"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","parent_tool_use_id":null,"uuid":"4498c917-052e-4451-8b12-160f59c03a73","api_message_id":"msg_fake73289097"}`,
  ],
  [
    "stdout",
    `{"type":"assistant","message":{"id":"msg_fake73289097","type":"message","role":"assistant","model":"claude-opus-5-5","content":[{"type":"tool_use","id":"toolu_fake000003","name":"Bash","input":{"command":"npm test","description":"Run the tests"}}],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1200,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1},"context_management":null},"parent_tool_use_id":null,"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","uuid":"a12603f3-873c-40fc-a005-a34e43616677","timestamp":"2026-12-06T16:08:09.101Z","request_id":"msg_fake73289097"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"content_block_stop","index":0},"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","parent_tool_use_id":null,"uuid":"af522860-2f04-465e-9966-dee980197a00","api_message_id":"msg_fake73289097"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":340}},"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","parent_tool_use_id":null,"uuid":"533566d1-158e-4bc0-8f69-45ff883cdfb0","api_message_id":"msg_fake73289097"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"message_stop"},"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","parent_tool_use_id":null,"uuid":"8d70f37e-23ad-4910-8ae4-55890b59c188","api_message_id":"msg_fake73289097"}`,
  ],
  [
    "stdout",
    String.raw`{"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_fake000003","type":"tool_result","content":"> test\n> node --test test/\n\nTAP version 13\n# Subtest: greets\nok 1 - greets\n  ---\n  duration_ms: 1.374615\n  ...\n1..1\n# tests 1\n# suites 0\n# pass 1\n# fail 0\n# cancelled 0\n# skipped 0\n# todo 0\n# duration_ms 58.855985\nnpm notice\nnpm notice New minor version of npm available! 11.19.1 -> 11.21.3\nnpm notice Changelog: https://github.com/npm/cli/releases/tag/v11.21.3\nnpm notice To update run: npm install -g npm@11.21.3\nnpm notice","is_error":false}]},"parent_tool_use_id":null,"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","uuid":"34dd44ed-5940-405a-94cd-0cc1f76ec29d","timestamp":"2026-12-06T16:08:09.717Z","tool_use_result":{"stdout":"> test\n> node --test test/\n\nTAP version 13\n# Subtest: greets\nok 1 - greets\n  ---\n  duration_ms: 1.374615\n  ...\n1..1\n# tests 1\n# suites 0\n# pass 1\n# fail 0\n# cancelled 0\n# skipped 0\n# todo 0\n# duration_ms 58.855985\nnpm notice\nnpm notice New minor version of npm available! 11.19.1 -> 11.21.3\nnpm notice Changelog: https://github.com/npm/cli/releases/tag/v11.21.3\nnpm notice To update run: npm install -g npm@11.21.3\nnpm notice","stderr":"","interrupted":false,"isImage":false,"noOutputExpected":false},"tool_result_meta":[{"id":"toolu_fake000003","permission_decision":{"decision":"accept","source":"config","reason_type":"mode"}}]}`,
  ],
  [
    "stdout",
    `{"type":"system","subtype":"status","status":"requesting","session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","uuid":"f48f8a4e-95d4-4eb5-a231-a2cf1a9d1e87"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"message_start","message":{"id":"msg_fake73289731","type":"message","role":"assistant","model":"claude-opus-5-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1200,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}},"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","parent_tool_use_id":null,"uuid":"1a05a33e-25d3-4369-a08d-11ced114e00a","ttft_ms":4,"thinking_display":"updates","api_message_id":"msg_fake73289731"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}},"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","parent_tool_use_id":null,"uuid":"10f371bd-7ef0-45b6-b364-6ed8ff7767e7","api_message_id":"msg_fake73289731"}`,
  ],
  [
    "stdout",
    `{"type":"assistant","message":{"id":"msg_fake73289731","type":"message","role":"assistant","model":"claude-opus-5-5","content":[{"type":"text","text":"Done: src/greeting.js exports a function returning hello."}],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1200,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1},"context_management":null},"parent_tool_use_id":null,"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","uuid":"17acf941-d870-4d4a-9553-5b6ea3a52db3","timestamp":"2026-12-06T16:08:09.735Z","request_id":"msg_fake73289731"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"content_block_stop","index":0},"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","parent_tool_use_id":null,"uuid":"48515074-d9b0-4bcf-8199-b8479102422b","api_message_id":"msg_fake73289731"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":340}},"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","parent_tool_use_id":null,"uuid":"cb25a935-4a31-4e1a-af40-8c6826bb8f55","api_message_id":"msg_fake73289731"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"message_stop"},"session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","parent_tool_use_id":null,"uuid":"0759c5d6-fc61-481d-b6b2-c88e42204288","api_message_id":"msg_fake73289731"}`,
  ],
  [
    "stdout",
    `{"duration_api_ms":105,"stop_reason":"end_turn","session_id":"13460dc4-ec4b-4415-a1dd-68c613df108d","total_cost_usd":0.0464,"usage":{"input_tokens":4800,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1360,"output_tokens_details":{"thinking_tokens":0},"server_tool_use":{"web_search_requests":0,"web_fetch_requests":0},"service_tier":"standard","cache_creation":{"ephemeral_1h_input_tokens":0,"ephemeral_5m_input_tokens":0},"inference_geo":"","iterations":[],"speed":"standard","fallback_credit":null},"modelUsage":{"claude-opus-5-5":{"inputTokens":4800,"outputTokens":1360,"cacheReadInputTokens":0,"cacheCreationInputTokens":0,"webSearchRequests":0,"costUSD":0.0464,"contextWindow":1000000,"maxOutputTokens":128000,"thinkingTokens":0,"cacheCreationEphemeral5mInputTokens":0,"cacheCreationEphemeral1hInputTokens":0,"canonicalModel":"claude-opus-5-5","provider":"firstParty","costBasis":"list"}},"permission_denials":[],"terminal_reason":"completed","fast_mode_state":"off","fast_mode_disabled_reason":"sdk_opt_in_required","subagent_stats":{"spawned":0,"requested":{"background":0,"foreground":0,"unset":0},"started_in_background":0,"max_depth":0,"spawned_by_subagents":0,"completed":0,"failed":0,"killed":{"parent":0,"user":0,"system":0},"refused":{"depth_limit":0,"concurrency_limit":0,"budget":0},"by_type":{}},"safety_stops":0,"is_error":false,"num_turns":4,"subtype":"success","api_error_status":null,"result":"Done: src/greeting.js exports a function returning hello.","ttft_ms":125,"type":"result","duration_ms":871,"uuid":"c3752da6-c8c3-49e9-bc18-9761db4ffa69","begun_message_ids":["msg_fake73288987","msg_fake73289058","msg_fake73289097","msg_fake73289731"],"ttft_stream_ms":123,"time_to_request_ms":106,"first_content_frame_ms":123,"queued_turn_count":0,"result_index":0,"model_usage_since_last_result":{"claude-opus-5-5":{"inputTokens":4800,"outputTokens":1360,"cacheReadInputTokens":0,"cacheCreationInputTokens":0,"webSearchRequests":0,"costUSD":0.0464,"contextWindow":1000000,"maxOutputTokens":128000,"thinkingTokens":0,"cacheCreationEphemeral5mInputTokens":0,"cacheCreationEphemeral1hInputTokens":0,"canonicalModel":"claude-opus-5-5","provider":"firstParty","costBasis":"list"}}}`,
  ],
];

/** Every request answered 401: the CLI retries ten times over minutes; recorded to the third retry. */
export const authRun: Recorded = [
  [
    "stdout",
    `{"type":"system","subtype":"status","status":"requesting","session_id":"161b3c3e-5985-46b3-8597-a4378fc5b2e7","uuid":"662e4f8c-6d9a-4e90-8c4a-d0f01e6f3e5e"}`,
  ],
  [
    "stdout",
    `{"type":"system","subtype":"api_retry","attempt":1,"max_retries":10,"retry_delay_ms":552,"error_status":401,"error":"authentication_failed","session_id":"161b3c3e-5985-46b3-8597-a4378fc5b2e7","uuid":"dce0066f-d91d-4cd8-9bef-f156e54cec11"}`,
  ],
  [
    "stdout",
    `{"type":"system","subtype":"api_retry","attempt":2,"max_retries":10,"retry_delay_ms":1183,"error_status":401,"error":"authentication_failed","session_id":"161b3c3e-5985-46b3-8597-a4378fc5b2e7","uuid":"0f03261c-9230-4c8d-ae3c-3002f65468b8"}`,
  ],
  [
    "stdout",
    `{"type":"system","subtype":"api_retry","attempt":3,"max_retries":10,"retry_delay_ms":2362,"error_status":401,"error":"authentication_failed","session_id":"161b3c3e-5985-46b3-8597-a4378fc5b2e7","uuid":"78cf860f-13f7-4b86-9c1a-d6a6d517bd9d"}`,
  ],
];

/** `--model claude-nope-1`, answered with the API's 404 not_found_error. */
export const unknownModelRun: Recorded = [
  [
    "stdout",
    `{"type":"system","subtype":"status","status":"requesting","session_id":"2f64cd6c-80c0-4976-bdad-0a13e136804c","uuid":"ed23905d-6c7b-4f0a-8d46-c1d17508678a"}`,
  ],
  ["stderr", `[claude-code:unrecognized_model] {"model":"claude-nope-1","query_source":"sdk"}`],
  [
    "stdout",
    `{"type":"assistant","message":{"diagnostics":null,"id":"3608595c-c685-4224-9d87-47ac24d1f560","container":null,"model":"<synthetic>","role":"assistant","stop_details":null,"stop_reason":"stop_sequence","stop_sequence":"","type":"message","usage":{"output_tokens_details":null,"input_tokens":0,"output_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"server_tool_use":{"web_search_requests":0,"web_fetch_requests":0},"service_tier":null,"cache_creation":{"ephemeral_1h_input_tokens":0,"ephemeral_5m_input_tokens":0},"inference_geo":null,"iterations":null,"speed":null,"fallback_credit":null},"content":[{"type":"text","text":"There's an issue with the selected model (claude-nope-1). It may not exist or you may not have access to it. Run --model to pick a different model."}],"context_management":null},"parent_tool_use_id":null,"session_id":"2f64cd6c-80c0-4976-bdad-0a13e136804c","uuid":"e429e3f3-268a-4d21-b569-bbf104ffbf25","timestamp":"2026-12-06T16:08:14.555Z","error":"model_not_found","request_id":"req_fake1796573294550","is_api_error_message":true,"api_error_status":404,"api_error_type":"not_found_error"}`,
  ],
  [
    "stdout",
    `{"duration_api_ms":0,"stop_reason":"stop_sequence","session_id":"2f64cd6c-80c0-4976-bdad-0a13e136804c","total_cost_usd":0,"usage":{"output_tokens_details":{"thinking_tokens":0},"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0,"server_tool_use":{"web_search_requests":0,"web_fetch_requests":0},"service_tier":"standard","cache_creation":{"ephemeral_1h_input_tokens":0,"ephemeral_5m_input_tokens":0},"inference_geo":"","iterations":[],"speed":"standard","fallback_credit":null},"modelUsage":{},"permission_denials":[],"terminal_reason":"api_error","fast_mode_state":"off","fast_mode_disabled_reason":"sdk_opt_in_required","subagent_stats":{"spawned":0,"requested":{"background":0,"foreground":0,"unset":0},"started_in_background":0,"max_depth":0,"spawned_by_subagents":0,"completed":0,"failed":0,"killed":{"parent":0,"user":0,"system":0},"refused":{"depth_limit":0,"concurrency_limit":0,"budget":0},"by_type":{}},"safety_stops":0,"is_error":true,"num_turns":1,"subtype":"success","api_error_status":404,"api_error_type":"not_found_error","result":"There's an issue with the selected model (claude-nope-1). It may not exist or you may not have access to it. Run --model to pick a different model.","type":"result","duration_ms":125,"uuid":"33b975cf-3528-4a93-81fc-364eb11650b3","begun_message_ids":[],"queued_turn_count":0,"result_index":0,"model_usage_since_last_result":{}}`,
  ],
];

/** Neither ANTHROPIC_API_KEY nor ANTHROPIC_AUTH_TOKEN set. */
export const notLoggedInRun: Recorded = [
  [
    "stdout",
    `{"type":"system","subtype":"status","status":"requesting","session_id":"bccbf2c1-56b3-4f06-a208-285e08df5cd0","uuid":"c1b3750b-c580-4ded-afb0-9a4914b0bcb3"}`,
  ],
  [
    "stdout",
    `{"type":"assistant","message":{"diagnostics":null,"id":"7532016a-df30-4ea6-bb30-f3b1f227a56b","container":null,"model":"<synthetic>","role":"assistant","stop_details":null,"stop_reason":"stop_sequence","stop_sequence":"","type":"message","usage":{"output_tokens_details":null,"input_tokens":0,"output_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"server_tool_use":{"web_search_requests":0,"web_fetch_requests":0},"service_tier":null,"cache_creation":{"ephemeral_1h_input_tokens":0,"ephemeral_5m_input_tokens":0},"inference_geo":null,"iterations":null,"speed":null,"fallback_credit":null},"content":[{"type":"text","text":"Not logged in · Please run /login"}],"context_management":null},"parent_tool_use_id":null,"session_id":"bccbf2c1-56b3-4f06-a208-285e08df5cd0","uuid":"2e217a8d-5125-452c-af2b-0d9096fe7253","timestamp":"2026-12-06T16:08:14.289Z","error":"authentication_failed","is_api_error_message":true}`,
  ],
  [
    "stdout",
    `{"duration_api_ms":0,"stop_reason":"stop_sequence","session_id":"bccbf2c1-56b3-4f06-a208-285e08df5cd0","total_cost_usd":0,"usage":{"output_tokens_details":{"thinking_tokens":0},"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0,"server_tool_use":{"web_search_requests":0,"web_fetch_requests":0},"service_tier":"standard","cache_creation":{"ephemeral_1h_input_tokens":0,"ephemeral_5m_input_tokens":0},"inference_geo":"","iterations":[],"speed":"standard","fallback_credit":null},"modelUsage":{},"permission_denials":[],"terminal_reason":"api_error","fast_mode_state":"off","fast_mode_disabled_reason":"sdk_opt_in_required","subagent_stats":{"spawned":0,"requested":{"background":0,"foreground":0,"unset":0},"started_in_background":0,"max_depth":0,"spawned_by_subagents":0,"completed":0,"failed":0,"killed":{"parent":0,"user":0,"system":0},"refused":{"depth_limit":0,"concurrency_limit":0,"budget":0},"by_type":{}},"safety_stops":0,"is_error":true,"num_turns":1,"subtype":"success","api_error_status":null,"result":"Not logged in · Please run /login","type":"result","duration_ms":194,"uuid":"ac786061-9489-4a7c-91af-14caa27c35f9","begun_message_ids":[],"queued_turn_count":0,"result_index":0,"model_usage_since_last_result":{}}`,
  ],
];

/** `--max-budget-usd 1` and a first turn of 400,000 input tokens. */
export const budgetRun: Recorded = [
  [
    "stdout",
    `{"type":"system","subtype":"status","status":"requesting","session_id":"f376e398-c117-46b2-961d-af539e2f063e","uuid":"438de41e-3361-48f3-b3ee-e6fbbe15eabd"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"message_start","message":{"id":"msg_fake73294149","type":"message","role":"assistant","model":"claude-opus-5-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":400000,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}},"session_id":"f376e398-c117-46b2-961d-af539e2f063e","parent_tool_use_id":null,"uuid":"aa3986e3-9f3e-4008-9cac-31bfa635c2b3","ttft_ms":27,"thinking_display":"updates","api_message_id":"msg_fake73294149"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_fake000001","name":"Read","input":{}}},"session_id":"f376e398-c117-46b2-961d-af539e2f063e","parent_tool_use_id":null,"uuid":"2c010897-bafd-4180-ad0d-8b66247cd447","api_message_id":"msg_fake73294149"}`,
  ],
  [
    "stdout",
    String.raw`{"type":"stream_event","event":{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\""}},"session_id":"f376e398-c117-46b2-961d-af539e2f063e","parent_tool_use_id":null,"uuid":"efaf9e4a-5e89-4370-929f-89cb07533497","api_message_id":"msg_fake73294149"}`,
  ],
  [
    "stdout",
    `{"type":"assistant","message":{"id":"msg_fake73294149","type":"message","role":"assistant","model":"claude-opus-5-5","content":[{"type":"tool_use","id":"toolu_fake000001","name":"Read","input":{"file_path":"/tmp/cc/p-budget/repo/TASK.md"}}],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":400000,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1},"context_management":null},"parent_tool_use_id":null,"session_id":"f376e398-c117-46b2-961d-af539e2f063e","uuid":"b9ea95fd-99ad-4621-b2f9-7cfb688e15d7","timestamp":"2026-12-06T16:08:14.164Z","request_id":"msg_fake73294149"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"content_block_stop","index":0},"session_id":"f376e398-c117-46b2-961d-af539e2f063e","parent_tool_use_id":null,"uuid":"b32204f4-a74c-4e4f-8538-051b1285820c","api_message_id":"msg_fake73294149"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"message_delta","context_management":null,"delta":{"container":null,"stop_details":null,"stop_reason":null,"stop_sequence":null},"usage":{"output_tokens_details":{"thinking_tokens":0},"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"input_tokens":400000,"iterations":[],"output_tokens":1,"server_tool_use":{"web_search_requests":0,"web_fetch_requests":0},"fallback_credit":null}},"session_id":"f376e398-c117-46b2-961d-af539e2f063e","parent_tool_use_id":null,"uuid":"a31c8107-9bc3-42af-9500-7755b1d7e8b4","api_message_id":"msg_fake73294149"}`,
  ],
  [
    "stdout",
    `{"type":"stream_event","event":{"type":"message_stop"},"session_id":"f376e398-c117-46b2-961d-af539e2f063e","parent_tool_use_id":null,"uuid":"2964e6b8-7842-497e-92b5-1c4fa62ee7bc","api_message_id":"msg_fake73294149","abandoned_blocks":{"api_message_id":"msg_fake73294149","from_block_index":1}}`,
  ],
  [
    "stdout",
    `{"duration_api_ms":0,"stop_reason":null,"session_id":"f376e398-c117-46b2-961d-af539e2f063e","total_cost_usd":2,"usage":{"output_tokens_details":{"thinking_tokens":0},"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0,"server_tool_use":{"web_search_requests":0,"web_fetch_requests":0},"service_tier":"standard","cache_creation":{"ephemeral_1h_input_tokens":0,"ephemeral_5m_input_tokens":0},"inference_geo":"","iterations":[],"speed":"standard","fallback_credit":null},"modelUsage":{"claude-opus-5-5":{"inputTokens":400000,"outputTokens":20000,"cacheReadInputTokens":0,"cacheCreationInputTokens":0,"webSearchRequests":0,"costUSD":2,"contextWindow":1000000,"maxOutputTokens":128000,"thinkingTokens":0,"cacheCreationEphemeral5mInputTokens":0,"cacheCreationEphemeral1hInputTokens":0,"canonicalModel":"claude-opus-5-5","provider":"firstParty","costBasis":"list"}},"permission_denials":[],"terminal_reason":"budget_exhausted","fast_mode_state":"off","fast_mode_disabled_reason":"sdk_opt_in_required","subagent_stats":{"spawned":0,"requested":{"background":0,"foreground":0,"unset":0},"started_in_background":0,"max_depth":0,"spawned_by_subagents":0,"completed":0,"failed":0,"killed":{"parent":0,"user":0,"system":0},"refused":{"depth_limit":0,"concurrency_limit":0,"budget":0},"by_type":{}},"safety_stops":0,"is_error":true,"num_turns":1,"subtype":"error_max_budget_usd","errors":["Reached maximum budget ($1)"],"type":"result","duration_ms":280,"uuid":"a3c8b4ca-720b-47ed-a59a-a8156e9bfb5b","begun_message_ids":["msg_fake73294149"],"queued_turn_count":0,"result_index":0,"model_usage_since_last_result":{"claude-opus-5-5":{"inputTokens":400000,"outputTokens":20000,"cacheReadInputTokens":0,"cacheCreationInputTokens":0,"webSearchRequests":0,"costUSD":2,"contextWindow":1000000,"maxOutputTokens":128000,"thinkingTokens":0,"cacheCreationEphemeral5mInputTokens":0,"cacheCreationEphemeral1hInputTokens":0,"canonicalModel":"claude-opus-5-5","provider":"firstParty","costBasis":"list"}}}`,
  ],
];

/** `git push origin HEAD`, refused by `--disallowedTools`. */
export const pushDeniedLine = `{"type":"user","message":{"role":"user","content":[{"type":"tool_result","content":"Permission to use Bash with command git push origin HEAD has been denied.","is_error":true,"tool_use_id":"toolu_fake000003"}]},"parent_tool_use_id":null,"session_id":"8b3ed44d-c91c-4aaf-be32-fde42012e4af","uuid":"8499bfc2-3d60-4352-8782-cbd277b17799","timestamp":"2026-12-06T16:08:28.442Z","tool_use_result":"Error: Permission to use Bash with command git push origin HEAD has been denied.","tool_result_meta":[{"id":"toolu_fake000003","non_execution_kind":"permission-rule","permission_decision":{"decision":"reject","source":"config","reason_type":"subcommandResults"}}]}`;

/** The end of a 401 run, once the CLI gave up after ten retries (185 s). */
export const authGaveUpRun: Recorded = [
  [
    "stdout",
    `{"type":"assistant","message":{"diagnostics":null,"id":"2c91bb61-1602-4335-a89e-1b1bc9a324d7","container":null,"model":"<synthetic>","role":"assistant","stop_details":null,"stop_reason":"stop_sequence","stop_sequence":"","type":"message","usage":{"output_tokens_details":null,"input_tokens":0,"output_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"server_tool_use":{"web_search_requests":0,"web_fetch_requests":0},"service_tier":null,"cache_creation":{"ephemeral_1h_input_tokens":0,"ephemeral_5m_input_tokens":0},"inference_geo":null,"iterations":null,"speed":null,"fallback_credit":null},"content":[{"type":"text","text":"Invalid API key · Fix external API key"}],"context_management":null},"parent_tool_use_id":null,"session_id":"bf66310b-68e1-45ee-997d-b6fc91646353","uuid":"e70f3427-f7bb-46a2-b6c2-449be54821ad","timestamp":"2026-12-06T16:08:03.630Z","error":"authentication_failed","request_id":"req_fake1796573283624","is_api_error_message":true,"api_error_status":401,"api_error_type":"authentication_error"}`,
  ],
  [
    "stdout",
    `{"duration_api_ms":0,"stop_reason":"stop_sequence","session_id":"bf66310b-68e1-45ee-997d-b6fc91646353","total_cost_usd":0,"usage":{"output_tokens_details":{"thinking_tokens":0},"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0,"server_tool_use":{"web_search_requests":0,"web_fetch_requests":0},"service_tier":"standard","cache_creation":{"ephemeral_1h_input_tokens":0,"ephemeral_5m_input_tokens":0},"inference_geo":"","iterations":[],"speed":"standard","fallback_credit":null},"modelUsage":{},"permission_denials":[],"terminal_reason":"api_error","fast_mode_state":"off","fast_mode_disabled_reason":"sdk_opt_in_required","subagent_stats":{"spawned":0,"requested":{"background":0,"foreground":0,"unset":0},"started_in_background":0,"max_depth":0,"spawned_by_subagents":0,"completed":0,"failed":0,"killed":{"parent":0,"user":0,"system":0},"refused":{"depth_limit":0,"concurrency_limit":0,"budget":0},"by_type":{}},"safety_stops":0,"is_error":true,"num_turns":1,"subtype":"success","api_error_status":401,"api_error_type":"authentication_error","result":"Invalid API key · Fix external API key","type":"result","duration_ms":184790,"uuid":"20506c41-6b17-4b7a-91c7-a7f3f338de8f","queued_turn_count":0,"result_index":0,"model_usage_since_last_result":{}}`,
  ],
];

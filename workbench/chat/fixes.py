"""The fix for each finding code, in one short sentence (docs/checks.md says more).

Summaries group findings by code and show the fix once per code instead of once per
line; every code in `checks.CODES` has one (a test checks).
"""

from __future__ import annotations

FIXES: dict[str, str] = {
    "bom": "Save the file as UTF-8 without a byte-order mark.",
    "invalid_utf8": "Re-save the file as UTF-8.",
    "invalid_json": "Fix the line's JSON (no NaN/Infinity, no trailing commas).",
    "data_type": "Make each line (and each message) a JSON object.",
    "unrecognized_key": "Remove the top-level key the format does not know.",
    "missing_messages_list": "Give the example a non-empty messages list.",
    "message_missing_key": "Give each message a role (tool messages a tool_call_id).",
    "message_unrecognized_key": "Remove the message key the format does not know.",
    "unrecognized_role": "Use system, developer, user, assistant, tool or function.",
    "missing_content": "Give the message content (only tool calls may omit it).",
    "invalid_content_type": "Make content a string or a list of content parts.",
    "empty_content": "Write the message's content, or remove the message.",
    "invalid_name": "Make name a non-empty string, or remove it.",
    "invalid_weight": "Set weight to 0 or 1.",
    "weight_on_non_assistant": "Put weight on assistant messages only.",
    "invalid_tools": "Make tools/functions a list of definitions.",
    "invalid_tool_call": "Give each tool call an id, type and function name.",
    "invalid_tool_arguments": "Encode tool arguments as a JSON object string.",
    "tool_call_without_result": "Answer each tool call with a tool message.",
    "tool_result_without_call": "Match the tool message to an earlier call's id.",
    "example_missing_assistant_message": "Add the assistant's answer.",
    "last_message_not_assistant": "End the conversation with the assistant.",
    "invalid_dpo_output": "Give each DPO output exactly one assistant message.",
    "file_too_large": "Split the file: the upload limit is 512 MB.",
    "missing_system_message": "Add a system message (or ignore: a warning).",
    "missing_user_message": "Add a user message (or ignore: a warning).",
    "example_too_long": "Shorten it, or accept the truncation.",
    "duplicate_example": "Remove the repeat (imports keep the first).",
    "too_few_examples": "Add examples: OpenAI needs at least 10.",
}


def fix_for(code: str) -> str:
    """The fix of a code; codes added later without one get a pointer to the docs."""
    return FIXES.get(code, "See docs/checks.md.")

"""The workflow: from intake to release or refusal, with counsel and a supervisor's approval."""

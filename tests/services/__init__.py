"""Real servers the test session starts itself: PostgreSQL now; Argilla and the
local LLM teacher join as their stages land."""

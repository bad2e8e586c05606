"""The Slack channel: slack-bolt's AsyncApp on the project's aiohttp server (HTTP at
`POST /slack/events`, or Socket Mode), translating Slack payloads into `ChatRequest`s and
rendering replies with `cards.blockkit`. Built only when Slack is configured."""

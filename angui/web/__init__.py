"""The web channel: the HTTP API and page served by `angui serve`, and the DingTalk robot adapter over that API."""

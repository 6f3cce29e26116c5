"""What the bot learns from Slack about its workspace: who it is, people's profiles (and those a form
names, looked up before acting on it), channel members, sign-in."""

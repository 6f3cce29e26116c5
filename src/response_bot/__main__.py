from response_bot.cli import main

raise SystemExit(main())

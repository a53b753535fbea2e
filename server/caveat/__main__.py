from caveat.cli import main

raise SystemExit(main())

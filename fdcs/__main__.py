from fdcs.cli import main

raise SystemExit(main())

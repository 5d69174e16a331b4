from batchbill.cli import main

raise SystemExit(main())

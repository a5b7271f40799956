from __future__ import annotations

from borderwar_report.cli import main

if __name__ == "__main__":
    main()

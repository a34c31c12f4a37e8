"""One DDP process of a fine-tune, started by torchrun (:func:`fimrepair.stages.finetune.launch_ddp`):
``python -m torch.distributed.run ... -m fimrepair.ddp_worker '<json arguments>'``. Logs go to
stderr with the rank; nothing else is imported before :func:`fimrepair.stages.finetune.finetune_process`,
which imports Unsloth first when it is the backend."""

from __future__ import annotations

import json
import logging
import os
import sys


def main(argv: list[str]) -> None:
    rank = os.environ.get("RANK", "?")
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format=f"%(asctime)s rank{rank} %(levelname)s %(name)s: %(message)s",
    )
    logging.captureWarnings(True)
    from fimrepair.compute import go_offline
    from fimrepair.stages.finetune import finetune_process

    go_offline()
    finetune_process(**json.loads(argv[0]))


if __name__ == "__main__":
    main(sys.argv[1:])

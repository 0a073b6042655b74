"""What backup and restore tell the operator when they stop."""


class BackupError(Exception):
    """Something the operator must act on; the message says what, in plain words."""


class VerificationError(BackupError):
    """The restored database or files differ from what the archive recorded."""

    def __init__(self, differences: list[str]) -> None:
        self.differences = differences
        shown = "\n  ".join(differences[:20])
        more = f"\n  … and {len(differences) - 20} more" if len(differences) > 20 else ""
        super().__init__(
            "Verification FAILED: the restored data differs from the archive. Do not use "
            f"this database.\n  {shown}{more}"
        )

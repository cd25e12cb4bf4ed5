import os
import sys


def main() -> int:
    bucket = os.environ.get("EXPORT_BUCKET")
    if not bucket:
        print("EXPORT_BUCKET is not set", file=sys.stderr)
        return 2
    print(f"exporting to s3://{bucket}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())

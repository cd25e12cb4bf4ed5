import argparse
import os


def main():
    parser = argparse.ArgumentParser(prog="reporting")
    parser.add_argument("--daily", action="store_true")
    args = parser.parse_args()
    out = os.environ.get("REPORT_OUTPUT_DIR", "out")
    print(f"writing {'daily' if args.daily else 'adhoc'} report to {out}")


if __name__ == "__main__":
    main()

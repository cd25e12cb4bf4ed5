import numpy as np


def main() -> None:
    prices = np.array([9.99, 14.5, 3.25])
    print(f"mean price: {prices.mean():.2f}")


if __name__ == "__main__":
    main()

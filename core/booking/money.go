package booking

import "math/big"

// Rounding rule: every amount a guest sees is a whole number of pesos. An amount that
// comes out of a multiplication (a night times a multiplier, a discount, a deposit) is
// computed exactly and rounded once to the nearest 100 centavos, halves up
// ($45.000,50 → $45.001; $45.000,49 → $45.000). Sums of rounded amounts stay whole.

const bpOne = 10_000 // basis points: 10000 = ×1.00 or 100 %

// scaleBP returns amount × Π(bps)/10000ⁿ rounded to whole pesos, half up. amount and the
// factors are non-negative; big.Int keeps the exact product from overflowing.
func scaleBP(amount int64, bps ...int) int64 {
	num := big.NewInt(amount)
	den := big.NewInt(100) // centavos per peso: the result is counted in pesos first
	for _, bp := range bps {
		num.Mul(num, big.NewInt(int64(bp)))
		den.Mul(den, big.NewInt(bpOne))
	}
	// half up: floor((num + den/2) / den)
	half := new(big.Int).Quo(den, big.NewInt(2))
	num.Add(num, half)
	pesos := num.Quo(num, den)
	return pesos.Int64() * 100
}

// roundPesos rounds centavos to whole pesos, half up.
func roundPesos(cents int64) int64 { return scaleBP(cents) }

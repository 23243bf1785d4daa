#!/usr/bin/env python3
"""Solve MPS files with HiGHS (the `highspy` package) to proven optimality.

Usage: mps_check.py FILE.mps [FILE.mps ...]

Prints one line per file: "optimum <file> <optimal objective>" (other lines,
such as the HiGHS banner, may appear too). The objective is as the file
states it; homeward's exports minimise the negated plan value, so the
plan value is minus this. Exits 1 when a file cannot be read or is not
solved to optimality.
"""
import sys

import highspy


def solve(path):
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.0)
    if h.readModel(path) != highspy.HighsStatus.kOk:
        raise RuntimeError(f"{path}: HiGHS cannot read the file")
    lp = h.getLp()
    integrality = list(lp.integrality_)
    if len(integrality) != lp.num_col_ or any(
        i != highspy.HighsVarType.kInteger for i in integrality
    ):
        raise RuntimeError(f"{path}: expected every column to be integer")
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"{path}: not solved to optimality ({h.modelStatusToString(status)})")
    return h.getInfo().objective_function_value


def main(paths):
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    for path in paths:
        try:
            value = solve(path)
        except RuntimeError as e:
            print(e, file=sys.stderr)
            return 1
        print(f"optimum {path} {value:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

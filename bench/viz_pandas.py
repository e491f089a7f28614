"""The benchmark's peer (bench/viz.ts): the region profile chart of notebooks/residue-analysis.ipynb with pandas and
matplotlib, from the same CSV, read the way the notebook reads it (every column as text), to a PNG.

    python bench/viz_pandas.py region.csv profile.png
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

KIND_COLORS = {
    "CodePointer": "#e15759", "ImagePointer": "#f28e2b", "DataPointer": "#4e79a7", "StackPointer": "#59a14f",
    "OtherStackPointer": "#8cd17d", "Value": "#bab0ac", "Unreadable": "#79706e",
}
NO_MODULE = "(not in a module)"


def main(table, out):
    df = pd.read_csv(table, dtype=str, keep_default_na=False, na_values=[""])
    module = df["Module"].str.extract(r"([^\\/]+)$")[0].fillna(df["Symbol"].str.extract(r"^([^!+ ]+)[!+]")[0]).fillna(NO_MODULE)
    counts = pd.DataFrame({"module": module, "kind": df["Kind"].fillna("(unclassified)")}).groupby(["module", "kind"]).size().unstack(fill_value=0)
    order = counts.sum(axis=1).sort_values(ascending=False)
    top = order.index[:25]
    counts = pd.concat([counts.loc[top], counts.drop(index=top).sum().to_frame("(other modules)").T]) if len(order) > 25 else counts.loc[top]
    kinds = [k for k in KIND_COLORS if k in counts.columns] + sorted(c for c in counts.columns if c not in KIND_COLORS)
    counts = counts[kinds].iloc[::-1]
    fig, ax = plt.subplots(figsize=(10, 0.32 * len(counts) + 1.6))
    counts.plot.barh(stacked=True, ax=ax, color=[KIND_COLORS.get(k, "#b07aa1") for k in kinds], width=0.85)
    ax.set_title(f"Region profile: values per module and kind\n{len(df):,} values by the module they point into", loc="left")
    ax.set_xlabel("Values (slots)")
    ax.legend(title="Kind", bbox_to_anchor=(1.01, 1), loc="upper left")
    fig.savefig(out, dpi=150, bbox_inches="tight", facecolor="white")
    print(f"{out}: {len(df)} rows, {len(counts)} module groups")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

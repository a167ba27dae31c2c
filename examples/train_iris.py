"""Train an MLP on the Iris flowers from Python, save it, load it back and predict.

The same job as ``glassnet train`` with its defaults, in a few lines: load the data, split
it, standardise it with the training rows' statistics, train a 4-32-32-3 tanh network with Adam
(stopping when the validation loss has not improved for 20 epochs, with the best weights
kept), save it with everything needed to use it, then load it as a user would and predict
species from raw measurements. Run it with ``python examples/train_iris.py [OUT_DIR]``.
"""

from __future__ import annotations

import sys
import tempfile

from glassnet import nn
from glassnet.data import Standardizer, load_dataset, train_val_test_split
from glassnet.saved import load, save
from glassnet.train import Trainer

# Two flowers measured in cm: sepal length, sepal width, petal length, petal width.
NEW_FLOWERS = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]


def main(out_dir: str, epochs: int = 100, verbose: bool = True) -> dict:
    ds = load_dataset("iris")  # 150 flowers, 4 measurements, 3 species
    s = train_val_test_split(ds.X, ds.y, val_size=0.15, test_size=0.2, seed=0)
    scaler = Standardizer().fit(s.X_train)  # statistics of the training rows only

    model = nn.MLP([ds.n_features, 32, 32, len(ds.label_names)], activation="tanh", seed=0)
    trainer = Trainer(
        model,
        optimizer="adam",
        lr=0.01,
        epochs=epochs,
        batch_size=32,
        early_stopping=20,  # keep the weights of the best validation loss
        progress="lines" if verbose else "none",
    )
    history = trainer.fit(
        scaler.transform(s.X_train), s.y_train, validation_data=(scaler.transform(s.X_val), s.y_val)
    )
    save(
        out_dir,
        model,
        task="classify",
        feature_names=ds.feature_names,
        label_names=ds.label_names,
        standardizer=scaler,
        target_name=ds.target_name,
    )

    saved = load(out_dir)  # later, elsewhere: raw measurements in, species names out
    report = saved.evaluate(s.X_test, s.y_test)
    predictions = saved.predict(NEW_FLOWERS).tolist()
    if verbose:
        print(f"test accuracy {report['accuracy']:.3f} on {len(s.y_test)} held-out flowers")
        for flower, name in zip(NEW_FLOWERS, predictions):
            print(f"{flower} -> {name}")
    return {"history": history, "report": report, "predictions": predictions, "path": saved.path}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="iris-"))

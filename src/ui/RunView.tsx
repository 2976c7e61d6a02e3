// Run tab (placeholder): will hold model choice, device and methods, and live progress of a run.
export function RunView() {
  return (
    <section className="placeholder" aria-labelledby="run-heading">
      <h2 id="run-heading">Run an evaluation</h2>
      <p>
        Here you will choose a vision-language model (a Hugging Face hub id, a local folder or picked files),
        the device (WebGPU or WebAssembly) and the answering methods (GD, PS, MC, FF), add the images, and
        evaluate every pair in this browser. Progress is saved case by case, so a run can be paused and
        resumed.
      </p>
    </section>
  );
}

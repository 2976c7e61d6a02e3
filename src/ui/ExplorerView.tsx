// Explorer tab (placeholder): will hold case-by-case inspection of a run's answers.
export function ExplorerView() {
  return (
    <section className="placeholder" aria-labelledby="explorer-heading">
      <h2 id="explorer-heading">Explorer</h2>
      <p>
        Here you will browse individual cases: a pair&rsquo;s two images side by side with the question, and
        the model&rsquo;s answer, probabilities or generated text for each method.
      </p>
    </section>
  );
}

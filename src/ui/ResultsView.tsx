// Results tab (placeholder): will hold per-method and per-category scores of stored runs.
export function ResultsView() {
  return (
    <section className="placeholder" aria-labelledby="results-heading">
      <h2 id="results-heading">Results</h2>
      <p>
        Here you will see each run&rsquo;s accuracy, set accuracy and confusion per method and per category,
        next to the paper&rsquo;s published numbers, and export answers and scores in the official
        MediConfusion file formats.
      </p>
    </section>
  );
}

/** Mantine's PostCSS preset: light-dark(), rem(), breakpoint mixins. */
module.exports = {
  plugins: {
    'postcss-preset-mantine': {},
  },
};

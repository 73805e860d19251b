// The app's Mantine theme. Badges (states: listening, applied, warning …) never shrink below their
// text: in a narrow table column or next to a long title Mantine would cut them to "NOT APP…",
// and the translations are longer than the English.
import { Badge, createTheme } from '@mantine/core';

export const theme = createTheme({
  components: {
    Badge: Badge.extend({ defaultProps: { miw: 'fit-content' } }),
  },
});

module.exports = async () => {
  if (globalThis.__GENAUG_PG__) await globalThis.__GENAUG_PG__.stop();
};
